#!/usr/bin/env node
// The `flint` command: runs @flint/cluster's command line under tsx (Flint runs from TypeScript source).
import { register } from 'tsx/esm/api';

register();
await import('@flint/cluster/cli-main');
