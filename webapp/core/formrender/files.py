"""File controls: one file (hidden id + chooser, uploaded at once by form.js) or several."""
from markupsafe import escape

from .schema import _dom_id, _text


NONE_CHOSEN = '<span class="muted">未选择文件</span>'


def _file(schema, value, path, required, ctx):
    """A file field: the stored id in a hidden input, a file chooser (JS uploads at once; without JS
    the browser posts it with the form), and the current file's name."""
    current = ""
    if value:
        current = (f'<span class="file-current">已上传：<a href="/files/{escape(value)}" target="_blank">'
                   f'{escape(ctx.file_label(value))}</a></span>')
    hidden = f'<input type="hidden" name="{escape(path)}" value="{escape(_text(value))}" class="file-id">'
    if ctx.disabled:
        return current or '<span class="muted">未上传</span>'
    req = " data-required" if required else ""
    chooser = _chooser(f'<input type="file" id="{_dom_id(path)}" name="{escape(path)}" class="file-input"{req}>')
    status = current or NONE_CHOSEN
    return f'<span class="file-field">{hidden}{chooser}<span class="file-status">{status}</span></span>'


def _files(value, path, ctx):
    """Several files: one hidden id per file (removable), and a multi-file chooser."""
    ids = [v for v in value if v] if isinstance(value, list) else []
    items = "".join(
        f'<li><input type="hidden" name="{escape(path)}" value="{escape(v)}" class="file-id">'
        f'<a href="/files/{escape(v)}" target="_blank">{escape(ctx.file_label(v))}</a>'
        + ("" if ctx.disabled else ' <button type="button" class="btn btn-small btn-link js-remove-file">移除</button>')
        + "</li>" for v in ids)
    if ctx.disabled:
        return f'<ul class="file-list">{items}</ul>' if ids else '<span class="muted">未上传</span>'
    chooser = _chooser(f'<input type="file" id="{_dom_id(path)}" name="{escape(path)}" class="file-input" multiple>')
    return (f'<span class="file-field file-multi" data-name="{escape(path)}"><ul class="file-list">{items}</ul>'
            f'{chooser}<span class="file-status">{"" if ids else NONE_CHOSEN}</span></span>')


def _chooser(file_input):
    """The browser's own file button speaks its locale ("Choose Files", "No file chosen"): a Chinese button
    (a label) stands over the input, which stays in the form, focusable, and posts without JavaScript."""
    return f'<label class="btn btn-small file-button">{file_input}选择文件</label>'
