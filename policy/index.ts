// Entry point the Pulumi CLI loads: `pulumi preview --policy-pack policy`.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("observability-guardrails", { policies });
