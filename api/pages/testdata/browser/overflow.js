// Reports how far the page is wider than the viewport: more than 0 means a horizontal scroll.
document.documentElement.scrollWidth - document.documentElement.clientWidth
