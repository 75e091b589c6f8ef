// Installed before any page script: records every Content-Security-Policy violation the page
// causes, for the test to read as window.__cspViolations.
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber);
});
