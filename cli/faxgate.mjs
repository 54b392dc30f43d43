#!/usr/bin/env node
// The `faxgate` command: runs the TypeScript CLI through tsx, so the repository needs no build step.
import { register } from 'tsx/esm/api';

register();
// The SDK's Node-version notice would bury the command's one-line answer on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2));
