#!/usr/bin/env node
// The AWS SDK prints an eight-line Node version notice on stderr under Node 20; perfkit's stderr is one
// line per error. Set before any import can load the SDK; an explicit setting of the user's wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { runMain } = await import('../dist/cli/main.js');
const { createProcessIo } = await import('../dist/cli/io.js');

process.exitCode = await runMain(process.argv.slice(2), createProcessIo());
