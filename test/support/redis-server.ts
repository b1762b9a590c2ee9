/** Tests start redis-server exactly as the demo does. */
export {
  freePort,
  type LocalRedisHandle as RedisServerHandle,
  startLocalRedis as startRedisServer,
} from '../../src/ops/local-redis.js';
