import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionSettingsError, describeTarget, requireTemporalTarget, temporalTargetFromEnv } from '../../connection/temporal';

const dir = mkdtempSync(join(tmpdir(), 'star-tls-'));
const cert = join(dir, 'client.pem');
const key = join(dir, 'client.key');
const ca = join(dir, 'ca.pem');
writeFileSync(cert, 'CERT');
writeFileSync(key, 'KEY');
writeFileSync(ca, 'CA');

void describe('the Temporal connection from the environment', () => {
  void it('is absent without TEMPORAL_ADDRESS, so `star run` starts its own server', () => {
    assert.equal(temporalTargetFromEnv({}), undefined);
    assert.equal(temporalTargetFromEnv({ TEMPORAL_ADDRESS: '  ' }), undefined);
    assert.throws(() => requireTemporalTarget({}), /TEMPORAL_ADDRESS is not set/);
  });

  void it('is plain (no TLS) with only an address, in namespace default unless TEMPORAL_NAMESPACE says otherwise', () => {
    assert.deepEqual(temporalTargetFromEnv({ TEMPORAL_ADDRESS: 'host:7233' }), { address: 'host:7233', namespace: 'default' });
    assert.equal(temporalTargetFromEnv({ TEMPORAL_ADDRESS: 'host:7233', TEMPORAL_NAMESPACE: 'research' })?.namespace, 'research');
  });

  void it('turns TLS on with a Temporal Cloud API key, and never prints the key', () => {
    const target = temporalTargetFromEnv({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret-key',
    });
    assert.equal(target?.apiKey, 'secret-key');
    assert.equal(target?.tls, true);
    assert.ok(target && !describeTarget(target).includes('secret-key'));
    assert.match(describeTarget(target!), /API key/);
  });

  void it('reads the mTLS certificate, key and CA files', () => {
    const target = temporalTargetFromEnv({
      TEMPORAL_ADDRESS: 'h:7233',
      TEMPORAL_TLS_CERT: cert,
      TEMPORAL_TLS_KEY: key,
      TEMPORAL_TLS_CA: ca,
      TEMPORAL_TLS_SERVER_NAME: 'srv',
    });
    assert.ok(target?.tls && target.tls !== true);
    const tls = target.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer; serverNameOverride: string };
    assert.equal(tls.clientCertPair.crt.toString(), 'CERT');
    assert.equal(tls.clientCertPair.key.toString(), 'KEY');
    assert.equal(tls.serverRootCACertificate.toString(), 'CA');
    assert.equal(tls.serverNameOverride, 'srv');
  });

  void it("accepts the temporal CLI's names for the certificate paths", () => {
    const target = temporalTargetFromEnv({
      TEMPORAL_ADDRESS: 'h:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    });
    assert.ok(target?.tls && target.tls !== true && target.tls.clientCertPair);
  });

  void it('refuses a certificate without its key, and a path that does not exist, naming the variable', () => {
    assert.throws(
      () => temporalTargetFromEnv({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CERT: cert }),
      (err: Error) => err instanceof ConnectionSettingsError && /both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/.test(err.message),
    );
    assert.throws(
      () => temporalTargetFromEnv({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS_CERT: join(dir, 'nope.pem'), TEMPORAL_TLS_KEY: key }),
      /TEMPORAL_TLS_CERT=.*nope\.pem: no such file/,
    );
  });

  void it('turns TLS on without certificates when TEMPORAL_TLS=true', () => {
    assert.equal(temporalTargetFromEnv({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_TLS: 'true' })?.tls, true);
  });

  void it("reads a profile of the temporal CLI's config file, with the variables overriding it", () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(
      file,
      '[profile.default]\naddress = "a:1"\n\n[profile.cloud]\naddress = "cloud:7233"\nnamespace = "ns.acct"\napi_key = "from-file"\n',
    );
    assert.deepEqual(temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: file }), { address: 'a:1', namespace: 'default' });
    const cloud = temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    assert.deepEqual(cloud, { address: 'cloud:7233', namespace: 'ns.acct', tls: true, apiKey: 'from-file' });
    assert.equal(
      temporalTargetFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other' })?.namespace,
      'other',
    );
  });
});
