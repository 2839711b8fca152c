// The real policy pack process, as `pulumi preview --policy-pack policy` starts it. It lives in
// scripts/lib/policyPack.ts because `npm run policy` (scripts/policy-offline.ts) calls it too.
export { type AnalyzedResource, PACK_DIR, type RunningPack, startPolicyPack } from "../../scripts/lib/policyPack";
