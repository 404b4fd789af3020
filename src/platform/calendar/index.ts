import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ModuleManifest } from '../module.js';
import { actorOf } from '../http/app.js';
import { ErrorResponse } from '../http/schemas.js';
import { deleteCalendarDay, getCalendar, setCalendarDay, updateCalendar } from './service.js';

export * from './calendar.js';
export { loadCalendar, invalidateCalendar, getCalendar, updateCalendar, setCalendarDay, deleteCalendarDay, type CalendarView } from './service.js';

const Hm = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', description: 'HH:MM（当地时间）' });
const DateStr = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const CalendarBody = Type.Object(
  {
    workdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, description: '1=周一 … 7=周日' }),
    periods: Type.Array(Type.Object({ start: Hm, end: Hm }, { additionalProperties: false }), { minItems: 1, maxItems: 6 }),
  },
  { additionalProperties: false },
);
const DayBody = Type.Object({ kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')]), note: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });
const DayParams = Type.Object({ date: DateStr });
const RangeQuery = Type.Object({ from: Type.Optional(DateStr), to: Type.Optional(DateStr) }, { additionalProperties: false });

async function calendarRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['calendar'];
  app.get<{ Querystring: Static<typeof RangeQuery> }>('/calendar', { config: { auth: 'user' }, schema: { tags, summary: '工作日历（工作日、工作时段、节假日与调休）', querystring: RangeQuery } }, async (req) => getCalendar(ctx, req.query));
  app.put<{ Body: Static<typeof CalendarBody> }>(
    '/calendar',
    { config: { permission: 'calendar.write' }, schema: { tags, summary: '修改每周工作日与工作时段', body: CalendarBody, response: { 400: ErrorResponse } } },
    async (req) => updateCalendar(ctx, actorOf(req), req.body),
  );
  app.put<{ Params: Static<typeof DayParams>; Body: Static<typeof DayBody> }>(
    '/calendar/days/:date',
    { config: { permission: 'calendar.write' }, schema: { tags, summary: '设置某日为节假日或调休工作日', params: DayParams, body: DayBody } },
    async (req) => setCalendarDay(ctx, actorOf(req), req.params.date, req.body),
  );
  app.delete<{ Params: Static<typeof DayParams> }>(
    '/calendar/days/:date',
    { config: { permission: 'calendar.write' }, schema: { tags, summary: '取消某日的特别设置', params: DayParams } },
    async (req, reply) => {
      await deleteCalendarDay(ctx, actorOf(req), req.params.date);
      return reply.status(204).send();
    },
  );
}

export const calendarModule: ModuleManifest = {
  name: 'calendar',
  permissions: { 'calendar.write': { roles: ['admin'], description: '维护工作日历（节假日、调休、工作时段）' } },
  routes: calendarRoutes,
};
