// Interop helper for the tests: `node oa.mjs wrap|verify|obfuscate|status` reads JSON on stdin and writes JSON on
// stdout, using the public OpenAttestation and TradeTrust libraries (not TradeChain's code).
//   status: {"rpc": URL, "document": wrapped} → the fragments of the hash and status verifiers of both public
//           verifiers, @tradetrust-tt/tt-verify (valid, fragments) and @govtechsg/oa-verify (oaVerify), run against the
//           given chain (DNS identity is out of reach here and not run); for a transferable record also the title's
//           owner as TradeTrust reads it (ownerOf), and whether that is TradeTrust's burn address (surrender accepted).
import { wrapDocuments, verifySignature, obfuscate, getData } from "@govtechsg/open-attestation";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));
const command = process.argv[2];
let output;
if (command === "wrap") output = wrapDocuments(input);
else if (command === "verify") output = input.map((document) => ({ valid: verifySignature(document), data: getData(document) }));
else if (command === "obfuscate") output = obfuscate(input.document, input.paths);
else if (command === "status") output = await status(input.rpc, input.document);
else throw new Error(`unknown command ${command}`);
process.stdout.write(JSON.stringify(output));

async function status(rpc, document) {
  const tt = await import("@tradetrust-tt/tt-verify");
  const oa = await import("@govtechsg/oa-verify");
  const { providers } = await import("ethers");
  const provider = new providers.JsonRpcProvider(rpc);
  const run = async (lib) => {
    const verify = lib.verificationBuilder(
      [lib.openAttestationHash, lib.openAttestationEthereumDocumentStoreStatus, lib.openAttestationEthereumTokenRegistryStatus],
      { provider });
    const fragments = await verify(document);
    return {
      valid: lib.isValid(fragments, ["DOCUMENT_INTEGRITY", "DOCUMENT_STATUS"]),
      fragments: fragments.map((f) => ({ name: f.name, type: f.type, status: f.status, reason: f.reason?.message ?? null })),
    };
  };
  const result = { ...(await run(tt)), oaVerify: await run(oa) };
  const tokenRegistry = getData(document).issuers?.[0]?.tokenRegistry;
  if (tokenRegistry) {
    // As TradeTrust's own tools read a title: its owner, where their burn address marks an accepted surrender.
    const { TradeTrustToken__factory } = await import("@tradetrust-tt/token-registry/contracts");
    const { defaultAddress } = (await import("@tradetrust-tt/token-registry")).constants;
    try {
      result.owner = await TradeTrustToken__factory.connect(tokenRegistry, provider).ownerOf(`0x${document.signature.merkleRoot}`);
    } catch (error) {
      result.owner = null;
      result.ownerError = error.reason ?? error.code ?? String(error);
    }
    result.surrendered = result.owner?.toLowerCase() === defaultAddress.Burn.toLowerCase();
  }
  return result;
}
