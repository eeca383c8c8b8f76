export * from './group-commit';
export * from './knex';
export * from './migrations';
