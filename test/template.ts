/** The manual clock's start in every test app (and in the database template made with it). */
export const TEST_CLOCK_START = '2026-11-23T01:00:00Z';

export type OgTemplate = { kind: 'pglite'; key: string; file: string } | { kind: 'postgres'; key: string; database: string };

declare module 'vitest' {
  export interface ProvidedContext {
    ogTemplate: OgTemplate | undefined;
  }
}

/**
 * Settings that a test may change without making the template's contents wrong: they are read at
 * run time, not by migrations or seeds.
 */
export const TEMPLATE_SAFE_ENV = /^(MQTT_PORT|MQTT_URL|MQTT_CLIENT_ID|ONEGRID_JOBS|IOT_[A-Z_]+|SESSION_TTL_HOURS|LOG_LEVEL)$/;
