// Numbers the controls a keyboard user reaches, in DOM order, as data-focus-index, and returns
// how many there are.
(() => {
  const sel = 'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  const all = [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0);
  all.forEach((e, i) => { e.dataset.focusIndex = String(i); });
  return all.length;
})()
