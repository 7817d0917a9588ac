/**
 * The driver's OpenTelemetry metrics, through `@opentelemetry/api`'s meter: tasks
 * completed and failed, task duration, shuffle bytes read and written, executors
 * alive, events shipped to the master and events dropped. Fed by the listener bus
 * (a listener) and by the backend (shipped/dropped counts); instruments are made
 * once, when the context starts, from the meter provider registered then.
 * `DriverMetrics.create()` returns null when no SDK is registered, so that off
 * adds no listener at all.
 */
import { type Attributes, type Counter, type Histogram, type UpDownCounter, metrics } from '@opentelemetry/api';
import type { FlintEvent } from '../listener/events.ts';
import { TELEMETRY_SCOPE } from './tracing.ts';

export class DriverMetrics {
  private readonly tasksCompleted: Counter;
  private readonly tasksFailed: Counter;
  private readonly taskDuration: Histogram;
  private readonly shuffleRead: Counter;
  private readonly shuffleWrite: Counter;
  private readonly executorsAlive: UpDownCounter;
  private readonly shipped: Counter;
  private readonly dropped: Counter;
  private readonly alive = new Set<string>();

  private constructor(private readonly appId: () => string) {
    const meter = metrics.getMeter(TELEMETRY_SCOPE);
    this.tasksCompleted = meter.createCounter('flint.tasks.completed', { description: 'Task attempts that succeeded', unit: '{task}' });
    this.tasksFailed = meter.createCounter('flint.tasks.failed', { description: 'Task attempts that failed, by reason', unit: '{task}' });
    this.taskDuration = meter.createHistogram('flint.task.duration', { description: 'Task attempt duration, launch to result received', unit: 'ms' });
    this.shuffleRead = meter.createCounter('flint.shuffle.read.bytes', { description: 'Shuffle bytes read by tasks', unit: 'By' });
    this.shuffleWrite = meter.createCounter('flint.shuffle.write.bytes', { description: 'Shuffle bytes written by tasks', unit: 'By' });
    this.executorsAlive = meter.createUpDownCounter('flint.executors.alive', { description: 'Executors registered with the driver', unit: '{executor}' });
    this.shipped = meter.createCounter('flint.events.shipped', { description: 'Listener events acknowledged as stored by the master', unit: '{event}' });
    this.dropped = meter.createCounter('flint.events.dropped', { description: 'Listener events that could not be delivered', unit: '{event}' });
  }

  /** Instruments from the registered meter provider, or null when none is registered (telemetry off). */
  static create(appId: () => string): DriverMetrics | null {
    // The api hands out its no-op provider until an SDK registers one.
    if (metrics.getMeterProvider().constructor.name === 'NoopMeterProvider') return null;
    return new DriverMetrics(appId);
  }

  private a(extra?: Attributes): Attributes {
    return { 'flint.app.id': this.appId(), ...extra };
  }

  readonly listener = (e: FlintEvent): void => {
    switch (e.type) {
      case 'taskEnd': {
        const m = e.metrics;
        if (e.reason.kind === 'success') this.tasksCompleted.add(1, this.a({ 'flint.task.type': e.taskType }));
        else this.tasksFailed.add(1, this.a({ 'flint.task.type': e.taskType, 'flint.task.failure': e.reason.kind }));
        if (e.taskInfo.finishTime !== null) this.taskDuration.record(e.taskInfo.finishTime - e.taskInfo.launchTime, this.a({ 'flint.task.type': e.taskType }));
        if (m) {
          const read = m.shuffleReadLocalBytes + m.shuffleReadRemoteBytes;
          if (read > 0) this.shuffleRead.add(read, this.a());
          if (m.shuffleWriteBytes > 0) this.shuffleWrite.add(m.shuffleWriteBytes, this.a());
        }
        return;
      }
      case 'executorAdded':
        if (!this.alive.has(e.executorId)) {
          this.alive.add(e.executorId);
          this.executorsAlive.add(1, this.a());
        }
        return;
      case 'executorRemoved':
        if (this.alive.delete(e.executorId)) this.executorsAlive.add(-1, this.a());
        return;
      case 'applicationEnd':
        if (this.alive.size > 0) this.executorsAlive.add(-this.alive.size, this.a());
        this.alive.clear();
        return;
      default:
        return;
    }
  };

  eventsShipped(n: number): void {
    this.shipped.add(n, this.a());
  }

  eventsDropped(n: number): void {
    this.dropped.add(n, this.a());
  }
}
