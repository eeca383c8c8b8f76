/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** A plain table; every header and cell is escaped here. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** `<input type="hidden">` for each field, in order (order matters to some providers). */
export function hiddenInputs(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('\n');
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;
  color:#1f2933;background:#f5f7fa;line-height:1.45}
header{display:flex;align-items:baseline;gap:.6rem;margin-bottom:1rem}
header .brand{font-weight:700;color:#036}
header .tag{font-size:.75rem;background:#fde68a;color:#713f12;padding:.1rem .45rem;border-radius:.3rem}
section{background:#fff;border:1px solid #e4e7eb;border-radius:.6rem;padding:1.1rem 1.3rem;margin-bottom:1rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.05rem;margin:0 0 .7rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{color:#616e7c}
dd{margin:0;font-weight:600;word-break:break-word}
label{display:block;margin:.5rem 0 .2rem;color:#3e4c59;font-size:.9rem}
input[type=text],input[type=tel],input[type=password],input[type=number],textarea,select{width:100%;font-size:1rem;padding:.5rem .6rem;border:1px solid #cbd2d9;border-radius:.35rem;font-family:inherit}
textarea{min-height:6rem;font-family:ui-monospace,monospace;font-size:.85rem}
label.check{display:flex;gap:.5rem;align-items:center}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.4rem 0}
th,td{border-bottom:1px solid #e4e7eb;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{color:#616e7c;font-weight:600}
.row{display:flex;gap:.8rem}
.row>div{flex:1}
button{margin-top:.8rem;font-size:1rem;padding:.55rem 1.2rem;border:0;border-radius:.35rem;background:#0b69a3;color:#fff;cursor:pointer}
button.secondary{background:#52606d}
.error{border-color:#f5a3a3;background:#fff5f5}
.ok{border-color:#9fd8b5;background:#f3fbf6}
.code{font:700 1.6rem ui-monospace,monospace;letter-spacing:.3rem}
.muted{color:#7b8794;font-size:.85rem}
ul{padding-left:1.2rem}
a{color:#0b69a3}
`;

/** A complete UTF-8 page with the sandbox's header. `body` is trusted HTML: escape every value in it. */
export function page(options: {
  title: string;
  brand: string;
  body: string;
  head?: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
${options.head ?? ''}
</head>
<body>
<header><span class="brand">${escapeHtml(options.brand)}</span><span class="tag">sandbox</span></header>
${options.body}
</body>
</html>
`;
}
