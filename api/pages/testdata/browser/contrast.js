// Measures the contrast of the text of the page's elements against the background they are
// drawn on (the nearest ancestor with an opaque background), by WCAG 2's relative luminance.
(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const out = [];
  const kinds = ["body", "h1", "p", "label", "legend", "button", "a", "code", "dt", "dd", ".msg", ".msg-error", ".msg-kind", ".muted", ".scope-desc", ".product"];
  for (const kind of kinds) {
    for (const el of document.querySelectorAll(kind)) {
      if (!el.textContent.trim() || el.getClientRects().length === 0) continue;
      const fg = parse(getComputedStyle(el).color), bg = background(el);
      const l1 = lum(fg), l2 = lum(bg);
      out.push({ kind, text: el.textContent.trim().slice(0, 40), color: getComputedStyle(el).color,
                 background: `rgb(${bg.r}, ${bg.g}, ${bg.b})`, ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05) });
    }
  }
  return out;
})()
