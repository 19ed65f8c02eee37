// Starts Swagger UI on the API reference page; a file of its own because the CSP allows no inline script.
(function () {
  var element = document.getElementById("api-reference");
  if (!element || !window.SwaggerUIBundle) {
    return;
  }
  window.SwaggerUIBundle({
    url: element.dataset.specUrl,
    domNode: element,
    // No badge from the public validator: the page asks no other host for anything.
    validatorUrl: null,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
  });
})();
