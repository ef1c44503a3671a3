"""`flask models print`: each diagram of a deployed version as SVG and PDF, drawn by the project's own
bpmn-js bundle (static/dist/print.js) in Chromium through Playwright, scaled to its page (diagram_pages)."""
import html
import re
from pathlib import Path

from .diagram_pages import MARGIN, MM, PAGES, measure

DIST = Path(__file__).resolve().parent.parent / "static" / "dist"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
PRINT_CSS = """@page {{ size: {page} landscape; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
.sheet {{ width: {w:.2f}pt; height: {h:.2f}pt; display: flex; align-items: center; justify-content: center;
         overflow: hidden; }}
.sheet svg {{ width: {dw:.2f}pt; height: {dh:.2f}pt; }}"""


class PrintError(Exception):
    """Printing cannot run here (no bundle, no Chromium): a Chinese sentence for the operator."""


def _check_setup(chromium):
    if not (DIST / "print.js").exists():
        raise PrintError("缺少前端打印组件 static/dist/print.js：请先执行 npm run build")
    if not Path(chromium).exists():
        raise PrintError(f"未找到 Chromium（{chromium}）：请安装 chromium 后再打印")


def _sheet(svg, page, width, height):
    """The HTML of one page: the SVG scaled to fit inside the margins, centred, never above 1 pt/unit."""
    page_w, page_h = PAGES[page]
    scale = min((page_w - 2 * MARGIN) / max(width, 1), (page_h - 2 * MARGIN) / max(height, 1), 1.0)
    svg = re.sub(r"^\s*<\?xml[^>]*\?>", "", svg)
    css = PRINT_CSS.format(page=page, w=page_w, h=page_h, dw=width * scale, dh=height * scale)
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>' \
           f'<body><div class="sheet">{svg}</div></body></html>', scale


def print_files(files, out_dir, chromium=CHROMIUM):
    """Write <name>.svg and <name>.pdf for every .bpmn in `files` ({path: text}); returns one dict per diagram."""
    _check_setup(chromium)
    from playwright.sync_api import sync_playwright

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    measured = measure(files)
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", lambda route: route.abort())  # diagrams are drawn offline, nothing is fetched
            renderer = context.new_page()
            renderer.set_content('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>')
            renderer.add_style_tag(content=(DIST / "print.css").read_text(encoding="utf-8"))
            renderer.add_script_tag(content=(DIST / "print.js").read_text(encoding="utf-8"))
            sheet = context.new_page()
            for name in sorted(measured):
                info = measured[name]
                drawn = renderer.evaluate("xml => window.EgovPrint.render(xml)", files[name])
                stem = Path(name).stem
                (out_dir / f"{stem}.svg").write_text(drawn["svg"], encoding="utf-8")
                content, scale = _sheet(drawn["svg"], info.page, drawn["width"], drawn["height"])
                sheet.set_content(content)
                sheet.pdf(path=str(out_dir / f"{stem}.pdf"), format=info.page, landscape=True,
                          print_background=True, margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
                results.append({"file": name, "page": info.page, "scale": round(scale, 3),
                                "label_pt": round(11 * scale, 2), "svg": str(out_dir / f"{stem}.svg"),
                                "pdf": str(out_dir / f"{stem}.pdf"), "warnings": drawn["warnings"],
                                "problems": info.problems, "crossings": info.crossings})
        finally:
            browser.close()
    return results


def describe(result):
    """One line for the operator, in Chinese: page, scale, smallest label, crossings; then each problem."""
    crossings = result.get("crossings", [])
    size = "×".join(str(round(v / MM)) for v in PAGES[result["page"]])
    line = f"{result['file']}：{result['page']} 横向（{size} mm），缩放 {result['scale']}，最小字号 {result['label_pt']} pt，" \
           f"连线交叉 {len(crossings)} 处 → {result['pdf']}"
    for problem in result["problems"] + crossings + [f"bpmn-js 导入警告：{w}" for w in result["warnings"]]:
        line += f"\n  ! {html.unescape(problem)}"
    return line
