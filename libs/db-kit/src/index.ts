export * from './knex';
export * from './migrations';
