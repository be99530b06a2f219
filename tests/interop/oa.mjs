// Interop helper for the tests: `node oa.mjs wrap|verify|obfuscate` reads JSON on stdin and writes JSON on stdout,
// using the public OpenAttestation library (not TradeChain's code).
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
else throw new Error(`unknown command ${command}`);
process.stdout.write(JSON.stringify(output));
