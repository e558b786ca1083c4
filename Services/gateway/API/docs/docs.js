// Swagger UI over this gateway's own OpenAPI document; every file comes from the gateway.
if (window.SwaggerUIBundle) {
  window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
} else {
  document.getElementById("missing").hidden = false;
}
