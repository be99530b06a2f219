// Small helpers the console's pages call through JS interop; no third-party script, no CDN.
window.tradechain = {
  copy: async (text) => { try { await navigator.clipboard.writeText(text); return true; } catch { return false; } },

  // The user's browser wallet (EIP-1193, window.ethereum), where one is present. The console never sees a key: the wallet
  // signs the transaction TradeChain prepared for the user's account, or — wallets such as MetaMask sign only by sending —
  // sends it itself and gives back its hash, which the service checks on chain before recording anything.
  wallet: {
    present: () => typeof window.ethereum?.request === 'function',

    // tx: the prepared transaction in eth_signTransaction's shape. Answers { signed } (raw hex), { sent } (hash) or { error }.
    // A wallet that signs only by sending sends it itself; TradeChain takes it by its hash (every step a party signs does).
    sign: async (tx) => {
      const eth = window.ethereum;
      if (typeof eth?.request !== 'function') return { error: 'There is no browser wallet in this browser.' };
      // Only "this wallet has no such method" leads to sending; any other failure to sign is reported as it is.
      const unsupported = (e) => e?.code === 4200 || e?.code === -32601 || e?.code === -32004;
      try {
        const accounts = (await eth.request({ method: 'eth_requestAccounts' }) ?? []).map((a) => String(a).toLowerCase());
        if (!accounts.includes(tx.from.toLowerCase()))
          return { error: `Your wallet does not offer your account ${tx.from}: select that account in the wallet, then try again.` };
        let chainId = BigInt(await eth.request({ method: 'eth_chainId' }));
        if (chainId !== BigInt(tx.chainId)) {
          // EIP-3326: the wallet asks its user to switch to TradeChain's network (if it knows it).
          let unknownNetwork = false;
          try {
            await eth.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x' + BigInt(tx.chainId).toString(16) }] });
            chainId = BigInt(await eth.request({ method: 'eth_chainId' }));
          } catch (e) {
            if (e?.code === 4001) return { error: "You declined to switch your wallet to TradeChain's network: nothing was signed or sent." };
            unknownNetwork = e?.code === 4902;
          }
          if (chainId !== BigInt(tx.chainId))
            return { error: unknownNetwork
              ? `Your wallet does not know TradeChain's network (chain ${BigInt(tx.chainId)}): add it to the wallet with the RPC address your operator gives, then try again.`
              : `Your wallet is on chain ${chainId}, TradeChain's is chain ${BigInt(tx.chainId)}: switch the wallet to TradeChain's network, then try again.` };
        }
        const request = {
          from: tx.from, to: tx.to, data: tx.data, value: tx.value, nonce: tx.nonce, gas: tx.gas,
          maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas, chainId: tx.chainId, type: tx.type,
        };
        try {
          return { signed: await eth.request({ method: 'eth_signTransaction', params: [request] }) };
        } catch (e) {
          if (!unsupported(e)) throw e;
        }
        // The wallet keeps its own count of the account's transactions: it picks the nonce when it sends. The prepared gas
        // and fees are asked for; the service checks only the call (from, to, value, data, chain), so a wallet may change them.
        const { nonce, ...send } = request;
        return { sent: await eth.request({ method: 'eth_sendTransaction', params: [send] }) };
      } catch (e) {
        if (e?.code === 4001) return { error: 'You declined in your wallet: nothing was signed or sent.' };
        return { error: `Your wallet did not sign: ${e?.message ?? e}` };
      }
    },
  },
};
