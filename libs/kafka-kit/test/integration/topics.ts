import { createTopics } from '@tolem/infra';
import { integrationEnv, uniqueTopic } from '@tolem/testing';

import { dlqTopicOf } from '../../src';

/** A fresh topic, its consumer group, and the group's DLQ topic. */
export async function topicWithDlq(prefix: string, numPartitions = 1) {
  const topic = uniqueTopic(prefix);
  const groupId = `group-${topic}`;
  await createTopics(integrationEnv().kafkaBrokers, [
    { topic, numPartitions },
    { topic: dlqTopicOf(topic, groupId), numPartitions: 1 },
  ]);
  return { topic, groupId };
}
