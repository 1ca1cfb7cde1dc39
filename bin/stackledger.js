#!/usr/bin/env node
// The package's command: runs the TypeScript CLI through tsx (no build step needed).
import { register } from "tsx/esm/api";

register();
const { exitOnRefusal } = await import("../src/exit-on-refusal.ts");
// A refusal to start (data folder in use, schema too new) is one line and status 1, not a stack trace.
await import("../src/cli.ts").catch(exitOnRefusal);
