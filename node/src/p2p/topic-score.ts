/**
 * Gossipsub v1.1 topic score parameters for topics whose messages a
 * validator checks (announcements, each video's social topic): a message the
 * validator rejects costs its sender score (P4, squared, so a second forgery
 * hurts four times as much), and a peer that keeps sending them falls below
 * the graylist threshold and is ignored. Honest peers never forward what they
 * rejected, so they keep their score. Delivery-rate terms (P3, P3b) stay off:
 * a quiet video is not a misbehaving peer.
 */
import type { TopicScoreParams } from '@libp2p/gossipsub/score'

export function validatedTopicScore (): TopicScoreParams {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 3600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 100,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.5
  }
}

/** Adds and removes score parameters for topics joined while running (one per video). */
export interface TopicScores {
  add(topic: string): void
  remove(topic: string): void
}

/**
 * js gossipsub reads `score.params.topics[topic]` on every scoring pass but
 * has no setter for it (go-libp2p has SetTopicScoreParams), so this writes
 * there; a gossipsub without that shape gets no per-topic score, loudly.
 */
export function topicScores (pubsub: unknown, onMissing: () => void = () => {}): TopicScores {
  const topics = (pubsub as { score?: { params?: { topics?: Record<string, TopicScoreParams> } } }).score?.params?.topics
  if (topics === undefined) {
    onMissing()
    return { add: () => {}, remove: () => {} }
  }
  return {
    add: (topic) => { topics[topic] = validatedTopicScore() },
    remove: (topic) => { Reflect.deleteProperty(topics, topic) }
  }
}
