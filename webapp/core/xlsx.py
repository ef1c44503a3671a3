"""Excel cells from user text stay text: a value starting with = + - @ is never a live formula."""


def as_text_cells(book):
    """Turn every formula cell of `book` into a text cell (openpyxl stores any string starting with '=' as a
    formula); the exports write figures and text only, so no cell is meant to compute."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return book
