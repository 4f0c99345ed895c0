// Standalone development mode only (DEBUG): a stand-in for Shopify's App Bridge outside the admin.
// `shopify.idToken()` asks this app's /dev/session-token for a locally minted session token;
// `shopify.toast.show()` shows an inline toast. Never served inside Shopify (the CDN script is used there).
(function () {
  const script = document.currentScript;
  const shop = (script && script.dataset.shop) || new URLSearchParams(window.location.search).get("shop") || "";

  async function idToken() {
    const response = await fetch(`/dev/session-token?shop=${encodeURIComponent(shop)}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`Could not mint a development session token (HTTP ${response.status}).`);
    return (await response.json()).token;
  }

  function show(message, options = {}) {
    const region = document.getElementById("toasts") || document.body;
    const node = document.createElement("div");
    node.className = options.isError ? "toast toast--error" : "toast";
    node.setAttribute("role", options.isError ? "alert" : "status");
    node.textContent = message;
    region.append(node);
    setTimeout(() => node.remove(), options.duration || 5000);
  }

  window.shopify = { config: { shop, apiKey: document.querySelector('meta[name="shopify-api-key"]')?.content }, idToken, toast: { show } };
})();
