/**
 * The one place grid-work reaches the cases module (patrol reports, proxy reports, the one-stop
 * desk's open cases). Cases is reached only through its public functions.
 */
export { reportCase, getCase, myCases, type CaseView } from '../cases/index.js';
