#!/usr/bin/env node
// The `flint` command: runs src/cli.ts under tsx (Flint runs from TypeScript source).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
