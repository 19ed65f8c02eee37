// "Cite this": the access date is the reader's today. The page may come from the cache, so the server cannot
// write it; without JavaScript the placeholder asks the reader to add it.
document.querySelectorAll("[data-access-date]").forEach(function (element) {
  element.textContent = new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
});
