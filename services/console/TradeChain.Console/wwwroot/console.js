// Small helpers the console's pages call through JS interop; no third-party script, no CDN.
window.tradechain = {
  copy: async (text) => { try { await navigator.clipboard.writeText(text); return true; } catch { return false; } },
};
