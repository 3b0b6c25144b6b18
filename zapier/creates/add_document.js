'use strict';

const { apiUrl, requestData } = require('../lib/api');

const perform = async (z, bundle) => {
  const { title, content, sourceType } = bundle.inputData;
  return requestData(z, {
    url: apiUrl('documents'),
    method: 'POST',
    body: { title, content, sourceType: sourceType || 'text' },
  });
};

module.exports = {
  key: 'add_document',
  noun: 'Document',
  display: {
    label: 'Add Document',
    description: 'Adds a document to the knowledge base the chatbot answers from.',
  },
  operation: {
    inputFields: [
      { key: 'title', label: 'Title', required: true },
      { key: 'content', label: 'Content', type: 'text', required: true,
        helpText: 'The text. Headings and questions followed by their answers work best.' },
      { key: 'sourceType', label: 'Format', required: false, default: 'text',
        choices: { text: 'Plain text', markdown: 'Markdown', html: 'HTML' } },
    ],
    perform,
    sample: {
      id: 'doc_ghi789', title: 'Shipping FAQ', sourceType: 'markdown', size: 512,
      filename: '', passageCount: 4, createdAt: '2025-01-15T10:30:00.000000Z',
      updatedAt: '2025-01-15T10:30:00.000000Z',
    },
    outputFields: [
      { key: 'id', label: 'Document ID' },
      { key: 'title', label: 'Title' },
      { key: 'passageCount', label: 'Passages the chatbot answers from', type: 'integer' },
    ],
  },
};
