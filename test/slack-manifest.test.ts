import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Slack's own JSON Schema, vendored in the repository (schemas/slack-manifest, MIT) so a clean clone has it. */
const SCHEMA_DIR = process.env['SLACK_MANIFEST_SCHEMA_DIR'] ?? resolve(ROOT, 'schemas', 'slack-manifest');
const V1_ID = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.1.0.0.json';
const V2_ID = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.2.0.0.json';

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function validators() {
  // Slack's schema uses a non-standard "regex" keyword and "uri" formats: not strict.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(readJson(join(SCHEMA_DIR, 'schemas', 'manifest.schema.1.0.0.json')), V1_ID);
  ajv.addSchema(readJson(join(SCHEMA_DIR, 'schemas', 'manifest.schema.2.0.0.json')), V2_ID);
  const all = ajv.compile(readJson(join(SCHEMA_DIR, 'manifest.schema.json')));
  const v1 = ajv.getSchema(V1_ID)!;
  return { all, v1 };
}

interface Manifest {
  display_information: { name: string; long_description: string };
  features: {
    slash_commands: Array<{ command: string; usage_hint: string }>;
    app_home: Record<string, boolean>;
    bot_user: { display_name: string };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    interactivity: Record<string, unknown>;
    event_subscriptions: { bot_events: string[] };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')) as Manifest;

describe('manifest.yml', () => {
  it('is valid against Slack manifest schema 1.0.0 (and the all-versions schema)', () => {
    const { all, v1 } = validators();
    expect(v1(manifest), JSON.stringify(v1.errors, null, 2)).toBe(true);
    expect(all(manifest), JSON.stringify(all.errors, null, 2)).toBe(true);
  });

  it('declares what the bot uses, and no more', () => {
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    const long = manifest.display_information.long_description as string;
    expect(long.length).toBeGreaterThanOrEqual(175);
    expect(long.length).toBeLessThanOrEqual(4000);
    const cmd = manifest.features.slash_commands[0]!;
    expect(cmd.command).toBe('/notebook');
    expect(cmd.usage_hint.length).toBeGreaterThan(0);
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
    expect(manifest.features.bot_user.display_name).toBeTruthy();
    expect(manifest.oauth_config.scopes.bot).toEqual(['commands', 'chat:write', 'im:write']);
    expect(manifest.settings.interactivity).toMatchObject({
      is_enabled: true,
      request_url: expect.stringMatching(/\/slack\/events$/),
      message_menu_options_url: expect.stringMatching(/\/slack\/events$/),
    });
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('the validator does catch a broken manifest (the test is not vacuous)', () => {
    const { v1 } = validators();
    const broken = structuredClone(manifest);
    broken.display_information.name = 'x'.repeat(36);
    broken.display_information.long_description = 'too short';
    broken.features.slash_commands[0]!.command = 'notebook';
    expect(v1(broken)).toBe(false);
    const paths = (v1.errors ?? []).map((e) => e.instancePath);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/display_information/name',
        '/display_information/long_description',
        '/features/slash_commands/0/command',
      ]),
    );
  });
});
