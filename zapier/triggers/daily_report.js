'use strict';

// The daily report as one flat row (a Google Sheets "Create Spreadsheet Row" maps each field
// to a column), with the top questions as line items for a row per question.

const { hookTrigger, envelopeFields } = require('../lib/hooks');

const questionsText = (items) => (items || []).map((q) => `${q.question} (${q.count})`).join('\n');

const flatten = (payload) => {
  const d = payload.data || {};
  const reasons = d.escalationsByReason || {};
  const failed = d.failedDeliveries || {};
  return {
    id: payload.id,
    event: payload.event,
    timestamp: payload.timestamp,
    reportId: d.reportId,
    workspaceId: d.workspaceId,
    date: d.date,
    timezone: d.timezone,
    conversationsStarted: d.conversationsStarted,
    conversationsEnded: d.conversationsEnded,
    messages: d.messages,
    distinctUsers: d.distinctUsers,
    escalations: d.escalations,
    escalationRate: d.escalationRate,
    escalationsLowConfidence: reasons.low_confidence || 0,
    escalationsUserRequested: reasons.user_requested || 0,
    answers: d.answers,
    averageConfidence: d.averageConfidence,
    lowestDecileConfidence: d.lowestDecileConfidence,
    belowThresholdShare: d.belowThresholdShare,
    medianDurationSeconds: d.medianDurationSeconds,
    busiestHour: d.busiestHour,
    failedWebhookDeliveries: failed.webhook || 0,
    failedCrmDeliveries: failed.crm || 0,
    failedZapierDeliveries: failed.zapier || 0,
    topQuestion: (d.topQuestions || [])[0] ? d.topQuestions[0].question : '',
    topQuestionsText: questionsText(d.topQuestions),
    unansweredQuestionsText: questionsText(d.unansweredQuestions),
    // Line items: an array of flat objects, which Zapier offers as one row per question.
    topQuestions: (d.topQuestions || []).map((q) => ({ question: q.question, count: q.count })),
  };
};

module.exports = hookTrigger({
  key: 'daily_report',
  event: 'report.daily',
  noun: 'Report',
  label: 'Daily Report',
  description: "Triggers every day at the workspace's report time (09:00 by default) with " +
    "yesterday's numbers: conversations, escalations, confidence and the top questions.",
  shape: flatten,
  sample: flatten({
    id: 'evt_2b7k9q4m1x8c5v3n6z0p',
    event: 'report.daily',
    timestamp: '2025-01-15T08:00:00.000Z',
    data: {
      reportId: 'rpt_5m2k8q4x1c7v3n9z6p0h',
      workspaceId: 'ws_8c1f4a7d2e9b5c3a6f0d',
      date: '2025-01-14',
      timezone: 'Europe/Berlin',
      conversationsStarted: 128,
      conversationsEnded: 121,
      messages: 904,
      distinctUsers: 117,
      escalations: 9,
      escalationRate: 0.0703,
      escalationsByReason: { low_confidence: 6, user_requested: 3 },
      answers: 452,
      averageConfidence: 0.8121,
      lowestDecileConfidence: 0.41,
      escalationThreshold: 0.5,
      belowThresholdShare: 0.0531,
      medianDurationSeconds: 184,
      busiestHour: 14,
      conversationsByHour: [0, 0, 0, 0, 0, 0, 1, 3, 8, 11, 12, 10, 9, 11, 15, 12, 10, 9, 6, 4,
        3, 2, 1, 1],
      topQuestions: [{ question: 'how long is shipping', count: 31 },
        { question: 'where is my order', count: 22 }],
      unansweredQuestions: [{ question: 'can i pay with cryptocurrency', count: 4 }],
      failedDeliveries: { webhook: 1, crm: 0, zapier: 0 },
    },
  }),
  outputFields: [
    ...envelopeFields,
    { key: 'reportId', label: 'Report ID' },
    { key: 'date', label: 'Day (YYYY-MM-DD, local)' },
    { key: 'timezone', label: 'Time zone' },
    { key: 'conversationsStarted', label: 'Conversations started', type: 'integer' },
    { key: 'conversationsEnded', label: 'Conversations ended', type: 'integer' },
    { key: 'messages', label: 'Messages', type: 'integer' },
    { key: 'distinctUsers', label: 'Distinct users', type: 'integer' },
    { key: 'escalations', label: 'Escalations', type: 'integer' },
    { key: 'escalationRate', label: 'Escalation rate (0–1)', type: 'number' },
    { key: 'escalationsLowConfidence', label: 'Escalations: chatbot unsure', type: 'integer' },
    { key: 'escalationsUserRequested', label: 'Escalations: user asked', type: 'integer' },
    { key: 'averageConfidence', label: 'Average confidence (0–1)', type: 'number' },
    { key: 'lowestDecileConfidence', label: 'Lowest-decile confidence', type: 'number' },
    { key: 'belowThresholdShare', label: 'Share of answers below threshold', type: 'number' },
    { key: 'medianDurationSeconds', label: 'Median duration (seconds)', type: 'integer' },
    { key: 'busiestHour', label: 'Busiest hour (0–23)', type: 'integer' },
    { key: 'failedWebhookDeliveries', label: 'Failed webhook deliveries', type: 'integer' },
    { key: 'failedCrmDeliveries', label: 'Failed CRM deliveries', type: 'integer' },
    { key: 'topQuestion', label: 'Top question' },
    { key: 'topQuestionsText', label: 'Top questions (one per line, with counts)' },
    { key: 'unansweredQuestionsText', label: 'Unanswered questions (one per line)' },
    { key: 'topQuestions[]question', label: 'Top questions: question' },
    { key: 'topQuestions[]count', label: 'Top questions: count', type: 'integer' },
  ],
});
