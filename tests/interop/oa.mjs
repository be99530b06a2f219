// Interop helper for the tests: `node oa.mjs wrap|verify|obfuscate|status` reads JSON on stdin and writes JSON on
// stdout, using the public OpenAttestation and TradeTrust libraries (not TradeChain's code).
//   status: {"rpc": URL, "document": wrapped} → the fragments of @tradetrust-tt/tt-verify's hash and document-store
//           status verifiers, run against the given chain (DNS identity is out of reach here and not run).
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
  const { verificationBuilder, openAttestationHash, openAttestationEthereumDocumentStoreStatus,
    openAttestationEthereumTokenRegistryStatus, isValid } = await import("@tradetrust-tt/tt-verify");
  const { providers } = await import("ethers");
  const provider = new providers.JsonRpcProvider(rpc);
  const verify = verificationBuilder(
    [openAttestationHash, openAttestationEthereumDocumentStoreStatus, openAttestationEthereumTokenRegistryStatus],
    { provider });
  const fragments = await verify(document);
  return {
    valid: isValid(fragments, ["DOCUMENT_INTEGRITY", "DOCUMENT_STATUS"]),
    fragments: fragments.map((f) => ({ name: f.name, type: f.type, status: f.status, reason: f.reason?.message ?? null })),
  };
}
