#!/usr/bin/env node
import { runMain } from '../dist/cli/main.js';
import { createProcessIo } from '../dist/cli/io.js';

process.exitCode = await runMain(process.argv.slice(2), createProcessIo());
