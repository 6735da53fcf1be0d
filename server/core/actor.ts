/** Who is asking: the user, and the socket the request came on (it gets the ack, not the broadcast). */
export interface Actor {
  userId: string;
  socketId?: string;
}
