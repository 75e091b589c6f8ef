// Describes the focused element: its data-focus-index and how its focus ring is drawn.
(() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return { index: e && e.dataset.focusIndex !== undefined ? Number(e.dataset.focusIndex) : -1,
           tag: e ? e.tagName : "", outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0 };
})()
