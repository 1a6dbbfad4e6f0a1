// The evidence sheet's print button (a script file: the pages' CSP allows no inline script).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
