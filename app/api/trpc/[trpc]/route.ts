import { handleTrpcRequest } from "@/server/api/handler";
import { getDatabaseCircuit, getDb, getLogDb } from "@/server/db";

const handler = (req: Request) => handleTrpcRequest(getDb(), req, getDatabaseCircuit(), getLogDb());

export { handler as GET, handler as POST };
