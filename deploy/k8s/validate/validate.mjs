// Validates every object of a rendered kustomization (`kubectl kustomize deploy/k8s | node validate.mjs`):
// Kubernetes objects against the Kubernetes OpenAPI schemas that kubernetes-models carries, CloudNativePG's
// against cnpg-schema.json (below). Prints one line an object; exits 1 when any is invalid.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const docs = parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d);
const cnpg = new Ajv({ allErrors: true, strict: false }).addSchema(JSON.parse(readFileSync(new URL("./cnpg-schema.json", import.meta.url), "utf8")), "cnpg");
let failures = 0;

for (const doc of docs) {
  const name = `${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}`;
  try {
    if (doc.apiVersion?.startsWith("postgresql.cnpg.io/")) {
      const validate = cnpg.getSchema(`cnpg#/definitions/${doc.kind}`);
      if (!validate) throw new Error(`no schema for ${doc.kind}`);
      if (!validate(doc)) throw new Error(cnpg.errorsText(validate.errors));
    } else {
      const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : [undefined, doc.apiVersion];
      const models = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
      const Model = models[doc.kind];
      if (!Model) throw new Error(`${doc.kind} is not a kind of ${doc.apiVersion}`);
      new Model(doc).validate();
    }
    console.log(`valid   ${name}`);
  } catch (e) {
    failures++;
    console.log(`INVALID ${name}: ${e.message}`);
  }
}

console.log(`${docs.length} objects, ${failures} invalid`);
process.exit(failures === 0 && docs.length > 0 ? 0 : 1);
