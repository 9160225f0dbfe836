import { makeAnswerQuestion } from '../../functions/answerQuestion';
import { makeAskQuestion } from '../../functions/askQuestion';
import { makeCancelSubmission } from '../../functions/cancelSubmission';
import { makeCheckOffer } from '../../functions/checkOffer';
import { makeGetHistory } from '../../functions/getHistory';
import { makeGetOffer } from '../../functions/getOffer';
import { makeGetOpenApi } from '../../functions/getOpenApi';
import { makeGetPackageValidation } from '../../functions/getPackageValidation';
import { makeGetPreview } from '../../functions/getPreview';
import { makeGetPreviewPackage } from '../../functions/getPreviewPackage';
import { makeGetStatus } from '../../functions/getStatus';
import { makeGoLive } from '../../functions/goLive';
import { makeListNotifications } from '../../functions/listNotifications';
import { makeListOffers } from '../../functions/listOffers';
import { makeListQuestions } from '../../functions/listQuestions';
import { makeListSubmissions } from '../../functions/listSubmissions';
import { makePublishOffer } from '../../functions/publishOffer';
import { makePutOffer } from '../../functions/putOffer';
import { makeResolveQuestion } from '../../functions/resolveQuestion';
import { makeSubmitReview } from '../../functions/submitReview';
import { makeUploadArtifact } from '../../functions/uploadArtifact';
import { makeUploadPackage } from '../../functions/uploadPackage';
import type { Services } from '../../shared/services';
import { png } from '../support/images';
import { ClientHandler, PlainHandler } from './support';

/** Every route of the API as a handler, with what a well-formed request to it carries. */
export interface RouteCase {
  name: string;
  method: string;
  /** Path below /api with `{offerId}` (and other parameters) filled in by the test. */
  path: (offerId: string) => string;
  params: (offerId: string) => Record<string, string>;
  handler: { plain: PlainHandler } | { durable: ClientHandler };
  /** A valid body and its content type, when the route takes one. */
  body?: { value: unknown; type: string };
  query?: Record<string, string>;
}

const offer = (offerId: string) => ({ offerId });
/** The question the authorization matrix seeds on each offer of the question routes. */
export const MATRIX_QUESTION_ID = 'a'.repeat(20);
const question = (offerId: string) => ({ offerId, questionId: MATRIX_QUESTION_ID });
const PNG = png(2, 2);

export function routeCases(services: Services): RouteCase[] {
  return [
    {
      name: 'putOffer',
      method: 'PUT',
      path: (id) => `offers/${id}`,
      params: offer,
      handler: { plain: makePutOffer(services) },
      body: { value: { name: 'X' }, type: 'application/json' },
    },
    {
      name: 'getOffer',
      method: 'GET',
      path: (id) => `offers/${id}`,
      params: offer,
      handler: { plain: makeGetOffer(services) },
    },
    {
      name: 'listOffers',
      method: 'GET',
      path: () => 'offers',
      params: () => ({}),
      handler: { plain: makeListOffers(services) },
    },
    {
      name: 'uploadPackage',
      method: 'PUT',
      path: (id) => `offers/${id}/package`,
      params: offer,
      handler: { plain: makeUploadPackage(services) },
      body: { value: Buffer.from('PK\u0003\u0004 package'), type: 'application/zip' },
    },
    {
      name: 'getPackageValidation',
      method: 'GET',
      path: (id) => `offers/${id}/package-validation`,
      params: offer,
      handler: { plain: makeGetPackageValidation(services) },
    },
    {
      name: 'uploadArtifact',
      method: 'PUT',
      path: (id) => `offers/${id}/artifacts/logo.png`,
      params: (id) => ({ offerId: id, name: 'logo.png' }),
      handler: { plain: makeUploadArtifact(services) },
      body: { value: PNG, type: 'image/png' },
    },
    {
      name: 'publishOffer',
      method: 'POST',
      path: (id) => `offers/${id}/publish`,
      params: offer,
      handler: { durable: makePublishOffer(services) },
      body: { value: { notificationEmail: 'ann@contoso.com' }, type: 'application/json' },
    },
    {
      name: 'getStatus',
      method: 'GET',
      path: (id) => `offers/${id}/status`,
      params: offer,
      handler: { plain: makeGetStatus(services) },
    },
    {
      name: 'goLive',
      method: 'POST',
      path: (id) => `offers/${id}/go-live`,
      params: offer,
      handler: { durable: makeGoLive(services) },
    },
    {
      name: 'cancelSubmission',
      method: 'POST',
      path: (id) => `offers/${id}/cancel`,
      params: offer,
      handler: { durable: makeCancelSubmission(services) },
    },
    {
      name: 'reviewMarketing',
      method: 'POST',
      path: (id) => `offers/${id}/reviews/marketing`,
      params: (id) => ({ offerId: id, area: 'marketing' }),
      handler: { durable: makeSubmitReview(services) },
      body: { value: { outcome: 'approved' }, type: 'application/json' },
    },
    {
      name: 'reviewTechnical',
      method: 'POST',
      path: (id) => `offers/${id}/reviews/technical`,
      params: (id) => ({ offerId: id, area: 'technical' }),
      handler: { durable: makeSubmitReview(services) },
      body: { value: { outcome: 'rejected', comments: 'Fix the logo' }, type: 'application/json' },
    },
    {
      name: 'getPreview',
      method: 'GET',
      path: (id) => `offers/${id}/preview`,
      params: offer,
      handler: { plain: makeGetPreview(services) },
      query: { hidekey: 'matrix-key' },
    },
    {
      name: 'getPreviewPackage',
      method: 'GET',
      path: (id) => `offers/${id}/preview/package`,
      params: offer,
      handler: { plain: makeGetPreviewPackage(services) },
      query: { hidekey: 'matrix-key' },
    },
    {
      name: 'listSubmissions',
      method: 'GET',
      path: (id) => `offers/${id}/submissions`,
      params: offer,
      handler: { plain: makeListSubmissions(services) },
    },
    {
      name: 'getHistory',
      method: 'GET',
      path: (id) => `offers/${id}/history`,
      params: offer,
      handler: { plain: makeGetHistory(services) },
    },
    {
      name: 'listNotifications',
      method: 'GET',
      path: (id) => `offers/${id}/notifications`,
      params: offer,
      handler: { plain: makeListNotifications(services) },
    },
    {
      name: 'getOpenApi',
      method: 'GET',
      path: () => 'openapi.json',
      params: () => ({}),
      handler: { plain: makeGetOpenApi(services) },
    },
    {
      name: 'checkOffer',
      method: 'POST',
      path: (id) => `offers/${id}/check`,
      params: offer,
      handler: { plain: makeCheckOffer(services) },
    },
    {
      name: 'listQuestions',
      method: 'GET',
      path: (id) => `offers/${id}/questions`,
      params: offer,
      handler: { plain: makeListQuestions(services) },
    },
    {
      name: 'askQuestion',
      method: 'POST',
      path: (id) => `offers/${id}/questions`,
      params: offer,
      handler: { plain: makeAskQuestion(services) },
      body: { value: { area: 'technical', text: 'Which versions?' }, type: 'application/json' },
    },
    {
      name: 'answerQuestion',
      method: 'POST',
      path: (id) => `offers/${id}/questions/${MATRIX_QUESTION_ID}/answers`,
      params: question,
      handler: { plain: makeAnswerQuestion(services) },
      body: { value: { text: 'These.' }, type: 'application/json' },
    },
    {
      name: 'resolveQuestion',
      method: 'POST',
      path: (id) => `offers/${id}/questions/${MATRIX_QUESTION_ID}/resolve`,
      params: question,
      handler: { plain: makeResolveQuestion(services) },
    },
  ];
}
