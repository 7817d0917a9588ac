import { transportConformanceSuite } from '@flint/core/transport-conformance';
import { TcpTransport } from './index.ts';

transportConformanceSuite('tcp', (options) => new TcpTransport(options));
