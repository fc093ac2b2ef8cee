// The language-model namer's settings: read from the environment by env.ts only, base URL and model together.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadEnv, namerSettings } from '../../../src/config/env.ts';

const base = { NODE_ENV: 'test' };

describe('namer settings', () => {
  it('unset: the catalogue names segments', () => {
    assert.equal(namerSettings(loadEnv(base)), null);
  });

  it('reads the endpoint, the model, the key, the timeout and the examples switch (off by default)', () => {
    const env = loadEnv({ ...base, PORTRAIT_NAMER_BASE_URL: 'http://localhost:11434/v1', PORTRAIT_NAMER_MODEL: 'qwen2.5' });
    assert.deepEqual(namerSettings(env), { baseUrl: 'http://localhost:11434/v1', model: 'qwen2.5', apiKey: null, timeoutMs: 30_000, examples: false });
    const full = loadEnv({ ...base, PORTRAIT_NAMER_BASE_URL: 'https://api.openai.com/v1', PORTRAIT_NAMER_MODEL: 'gpt-4o-mini', PORTRAIT_NAMER_API_KEY: 'sk-1', PORTRAIT_NAMER_TIMEOUT_MS: '5000', PORTRAIT_NAMER_EXAMPLES: 'on' });
    assert.deepEqual(namerSettings(full), { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: 'sk-1', timeoutMs: 5000, examples: true });
  });

  it('refuses half a configuration and bad values, naming the variable', () => {
    assert.throws(() => loadEnv({ ...base, PORTRAIT_NAMER_BASE_URL: 'http://localhost:11434/v1' }), (e: unknown) => e instanceof ConfigError && /PORTRAIT_NAMER_MODEL/.test(e.message));
    assert.throws(() => loadEnv({ ...base, PORTRAIT_NAMER_MODEL: 'gpt-4o-mini' }), /PORTRAIT_NAMER_BASE_URL/);
    assert.throws(() => loadEnv({ ...base, PORTRAIT_NAMER_BASE_URL: 'ftp://example.com', PORTRAIT_NAMER_MODEL: 'm' }), /PORTRAIT_NAMER_BASE_URL: must be an http/);
    assert.throws(() => loadEnv({ ...base, PORTRAIT_NAMER_BASE_URL: 'http://x/v1', PORTRAIT_NAMER_MODEL: 'm', PORTRAIT_NAMER_TIMEOUT_MS: '0' }), /PORTRAIT_NAMER_TIMEOUT_MS/);
    assert.throws(() => loadEnv({ ...base, PORTRAIT_NAMER_BASE_URL: 'http://x/v1', PORTRAIT_NAMER_MODEL: 'm', PORTRAIT_NAMER_EXAMPLES: 'yes' }), /PORTRAIT_NAMER_EXAMPLES/);
  });
});

describe('embeddings settings', () => {
  it('refuses half a configuration, a non-HTTP base and multilingual embeddings without an endpoint, naming the variable', () => {
    assert.throws(() => loadEnv({ ...base, PORTRAIT_EMBEDDINGS_BASE_URL: 'http://localhost:11434/v1' }), (e: unknown) => e instanceof ConfigError && /PORTRAIT_EMBEDDINGS_MODEL/.test(e.message));
    assert.throws(() => loadEnv({ ...base, PORTRAIT_EMBEDDINGS_MODEL: 'bge-m3' }), /PORTRAIT_EMBEDDINGS_BASE_URL/);
    assert.throws(() => loadEnv({ ...base, PORTRAIT_EMBEDDINGS_BASE_URL: 'file:///etc/passwd', PORTRAIT_EMBEDDINGS_MODEL: 'm' }), /PORTRAIT_EMBEDDINGS_BASE_URL: must be an http/);
    assert.throws(() => loadEnv({ ...base, PORTRAIT_EMBEDDINGS_MULTILINGUAL: 'on' }), /PORTRAIT_EMBEDDINGS_MULTILINGUAL/);
    assert.throws(() => loadEnv({ ...base, PORTRAIT_ALERT_URL: 'ftp://example.com/hook', PORTRAIT_ALERT_SECRET: 'a-secret-of-16-chars' }), /PORTRAIT_ALERT_URL: must be an http/);
  });
});
