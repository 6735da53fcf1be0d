/**
 * Joi schemas of the comments the server answers (see responses.ts, which takes them in): a comment,
 * a deleted comment, a page of comments.
 */
import Joi from 'joi';
import { LIMITS } from './limits';
import type { Comment, CommentDeleted, CommentPage } from './types';

const id = Joi.string().guid().lowercase();
const time = Joi.string().isoDate().description('ISO-8601 UTC time with milliseconds');
const seq = Joi.number().integer().min(0);

export const commentSchema = Joi.object<Comment, true>({
  id: id.required(),
  taskId: id.required(),
  listId: id.required(),
  authorId: id.required(),
  body: Joi.string().min(1).max(LIMITS.commentMax).required().description('Trimmed'),
  mentions: Joi.array()
    .items(id)
    .max(LIMITS.mentionsMax)
    .required()
    .description('Members the comment names (user ids), no duplicates'),
  seq: seq.required().description('The list change number of the comment\u2019s latest change'),
  createdAt: time.required(),
  editedAt: time.allow(null).required().description('Null until the first `comment:update`'),
})
  .id('Comment')
  .description('A comment on a task; it takes its list\u2019s seq like a task.');

export const commentDeletedSchema = Joi.object<CommentDeleted, true>({
  id: id.required(),
  taskId: id.required(),
  listId: id.required(),
  seq: seq.required(),
})
  .id('CommentDeleted')
  .description('A comment deleted at change `seq` of its list.');

export const commentPageSchema = Joi.object<CommentPage, true>({
  comments: Joi.array().items(commentSchema).required().description('Oldest first'),
  next: Joi.string()
    .allow(null)
    .required()
    .description('Pass as `after` for the following page; null on the last page'),
}).id('CommentPage');
