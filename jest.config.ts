import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
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
