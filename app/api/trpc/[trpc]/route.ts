import { handleTrpcRequest } from "@/server/api/handler";
import { getDb } from "@/server/db";

const handler = (req: Request) => handleTrpcRequest(getDb(), req);

export { handler as GET, handler as POST };
