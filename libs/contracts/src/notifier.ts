export * from './gen/tolem/notifier/v1/notifier';
