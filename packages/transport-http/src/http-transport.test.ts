import { transportConformanceSuite } from '@flint/core/transport-conformance';
import { HttpTransport } from './index.ts';

transportConformanceSuite('http', (options) => new HttpTransport(options));
