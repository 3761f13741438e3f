#!/usr/bin/env node
// The CLI runs the TypeScript core directly through tsx, so there is no separate build to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
