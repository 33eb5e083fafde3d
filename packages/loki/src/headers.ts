import { EndpointHeaders } from '@sluice/remote-write'
import type { LokiEndpointOptions } from './config.ts'
import { LokiOptionsError } from './errors.ts'

/**
 * The headers of every request of one endpoint, as Loki's own client sends them: the body is a
 * snappy-compressed protobuf, announced by `Content-Type: application/x-protobuf` alone (Loki's
 * distributor snappy-decodes any non-JSON body; the client sends no Content-Encoding). The tenant goes
 * in `X-Scope-OrgID`, which users therefore may not configure.
 */
export class LokiHeaders extends EndpointHeaders {
  constructor(
    options: Pick<
      LokiEndpointOptions,
      'headers' | 'tenantId' | 'basicAuth' | 'bearerToken' | 'bearerTokenFile'
    >,
  ) {
    super(options, {
      headers: {
        'content-type': 'application/x-protobuf',
        ...(options.tenantId ? { 'x-scope-orgid': options.tenantId } : {}),
      },
      reserved: ['x-scope-orgid'],
      optionsError: (message) => new LokiOptionsError(message),
    })
  }
}
