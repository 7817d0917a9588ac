import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

/** The functions with the most self time in a V8 .cpuprofile (what --cpu-prof writes), idle time left out. */
export function hottestFunctions(path: string, top: number, rootDir: string): { totalMs: number; hot: HotFunction[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    if (!node) continue;
    const us = deltas[i + 1] ?? 0; // a sample's time runs until the next sample
    const f = node.callFrame;
    if (f.functionName === '(idle)') continue;
    total += us;
    const file = f.url.startsWith('file://') ? relative(rootDir, new URL(f.url).pathname) : f.url;
    const where = file ? `${file}:${f.lineNumber + 1}:${f.columnNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const entry = self.get(key) ?? { name: f.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    self.set(key, entry);
  }
  const hot = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total > 0 ? e.us / total : 0 }));
  return { totalMs: total / 1000, hot };
}

export function listProfiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}
