import { handleTrpcRequest } from "@/server/api/handler";
import { getDatabaseCircuit, getDb } from "@/server/db";

const handler = (req: Request) => handleTrpcRequest(getDb(), req, getDatabaseCircuit());

export { handler as GET, handler as POST };
