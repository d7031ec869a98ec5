import type { Config } from 'jest';

/**
 * Specs are transpiled one file at a time (tsconfig.jest.json: isolatedModules), without type
 * checking: `npm test` type-checks everything once with `tsc` before jest runs, which costs far less
 * than a type check per spec file. Every core runs specs (jest's default leaves one idle: on two
 * cores that meant one spec at a time).
 */
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  maxWorkers: '100%',
  moduleNameMapper: {
    '^runpod-rx$': '<rootDir>/src/index.ts',
    '^runpod-rx/operators$': '<rootDir>/operators/index.ts',
    '^runpod-rx/testing$': '<rootDir>/src/testing/index.ts',
    '^runpod-rx/emulator$': '<rootDir>/src/emulator/index.ts',
    '^runpod-rx/webhooks$': '<rootDir>/src/webhooks/index.ts',
    '^runpod-rx/node$': '<rootDir>/src/node/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20_000,
};

export default config;
